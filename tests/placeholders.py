"""Placeholder figures: a report's figures drawn (``figures.draw_all``) but not rendered."""


def render(figure, suffix):
    """A stand-in for ``figures.render``: a few placeholder bytes, not matplotlib's savefig (about 3 s a report
    on 2 cores)."""
    return f"placeholder {suffix}, not rendered\n".encode()
