#!/usr/bin/env python3
"""Checks a `smmucheck conform --junit` report: well-formed XML, testsuites > testsuite > testcase, the counts in
the attributes equal the elements, and the expected numbers of testcases, failures and skips.
usage: check_junit.py FILE MIN_TESTS FAILURES SKIPPED   (MIN_TESTS: at least this many testcases)"""
import sys
import xml.etree.ElementTree as ET


def main():
    path, min_tests, failures, skipped = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    root = ET.parse(path).getroot()  # raises on malformed XML
    assert root.tag == "testsuites", root.tag
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(root.findall(".//testcase")), "a testcase outside a testsuite"
    assert len(cases) >= min_tests, f"{len(cases)} testcases, expected at least {min_tests}"
    assert int(root.get("tests")) == len(cases), (root.get("tests"), len(cases))
    for suite in root.findall("./testsuite"):
        assert suite.get("name", "").startswith("Arm IHI 0070 §"), suite.get("name")
        assert int(suite.get("tests")) == len(suite.findall("testcase")), suite.get("name")
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure")), suite.get("name")
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped")), suite.get("name")
    fails = root.findall(".//testcase/failure")
    skips = root.findall(".//testcase/skipped")
    assert len(fails) == failures and int(root.get("failures")) == failures, f"{len(fails)} failures, expected {failures}"
    assert len(skips) == skipped and int(root.get("skipped")) == skipped, f"{len(skips)} skipped, expected {skipped}"
    for f in fails:
        assert "expected" in f.text and "actual" in f.text, f.text
    for s in skips:
        assert s.get("message"), "a skip without its reason"
    assert not root.findall(".//testcase/error"), "a vector could not run"
    print(f"{path}: {len(cases)} testcases in {len(root.findall('./testsuite'))} suites, {len(fails)} failures, {len(skips)} skipped")


if __name__ == "__main__":
    main()
