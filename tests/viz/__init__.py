#!/usr/bin/env python3
"""Tests of ``ganlab.viz``."""
