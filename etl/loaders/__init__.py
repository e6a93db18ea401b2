"""One loader per raw source. Each returns a :class:`~etl.loaders.base.LoadResult`."""
