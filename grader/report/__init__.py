"""Reporters: one module per output format, each turning GradeResults into text."""
