"""Live views of a set: a display-independent model, a Qt window, a terminal view, and the loop that drives them.

Only `taut.ui.live_qt` imports Qt (pyqtgraph/PySide6), and only when a window is opened.
"""
