"""grader: grade case-study take-homes the way a hiring panel's reviewer does."""

__version__ = "0.1.0"

__all__ = ["__version__", "grade", "grade_document", "load_rubric", "read_document", "render_html"]


def __getattr__(name: str):  # keep `import grader` (and `grader --help`) light
    if name in ("grade", "grade_document"):
        from . import grading

        return getattr(grading, name)
    if name == "load_rubric":
        from .rubric import load_rubric

        return load_rubric
    if name == "read_document":
        from .readers import read_document

        return read_document
    if name == "render_html":
        from .report.html import render_html

        return render_html
    raise AttributeError(name)
