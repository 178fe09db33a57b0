#!/usr/bin/env python3
"""Tests of the numbered lessons 0-5: the contract, the demos."""
