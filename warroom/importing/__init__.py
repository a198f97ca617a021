"""`warroom import`: a Markdown go-live checklist read into a layout."""
