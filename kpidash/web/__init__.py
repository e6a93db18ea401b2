"""The Dash app around the pages: start-up checks, shell, security headers, compression, scripts, prerendering of
the first view, and the boundary files. The top layer: may import every other kpidash package.
"""
