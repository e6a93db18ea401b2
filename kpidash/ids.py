"""Component ids, page-prefixed kebab-case, defined once."""

LANG_STORE = "app-lang"
LANG_TOGGLE = "app-lang-toggle"
URL = "app-url"
OVERVIEW_CARDS = "overview-cards"
CATALOGUE_TABLE = "catalogue-table"
