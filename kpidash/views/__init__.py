"""Dash components and page bodies: layout from service results and figures, with the page's texts (ja/en).

Imports service, figures, analysis (types) and the foundation, and kpidash.data.cache to memoise a whole view; no SQL,
no arithmetic, never api or web.
"""
