"""Application services: fetch from kpidash.data, compute with kpidash.analysis, cache per warehouse version, and
return the result objects that figures, views and the API all render (so a page and its download cannot disagree).

Imports data, analysis and the foundation; never figures, views, api, web, dash or flask.
"""
