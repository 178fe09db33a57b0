#!/usr/bin/env python3
"""Tests of the command line, ``python -m ganlab ...``."""
