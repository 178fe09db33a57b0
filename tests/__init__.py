#!/usr/bin/env python3
"""The test suite, laid out as the code is."""
