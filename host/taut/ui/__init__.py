"""Live views of a set: a display-independent model, a Qt window, a terminal view, and the loop that drives them.

Only the `*_qt` modules import Qt (pyqtgraph/PySide6), and only when a window is opened or a plot saved:
`live_qt` the live window, `plots_qt` the saved PNGs, `draw_qt` the drawing both share.
"""
