#!/usr/bin/env python3
"""Tests of the scripts in ``benchmarks/``."""
