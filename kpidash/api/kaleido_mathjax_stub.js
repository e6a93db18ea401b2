/* MathJax stub for kaleido (server-side chart images; see kpidash/api/chart_images.py).
 * The dashboard's charts use no LaTeX. Without a local file kaleido loads MathJax from a CDN, which this machine
 * cannot reach (+4.7 s per image). This file defines nothing on purpose: plotly.js then draws every text as plain text.
 */
