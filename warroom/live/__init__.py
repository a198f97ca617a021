"""The headless live core: connect to a cluster, start every source of a layout (reflectors,
Prometheus, GPU readers over Prometheus or SSH), and offer one snapshot of everything.

No Textual here: the screen (`warroom.ui`) and headless commands open the same room.
"""
