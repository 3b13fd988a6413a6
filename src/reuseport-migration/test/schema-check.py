#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check scenarios/schema.json against the scenario files and the table of bad files.

Usage: schema-check.py REPO_ROOT

- every scenarios/*.json except schema.json must be valid;
- every file of src/reuseport-migration/test/bad-scenarios/expected.json must be rejected
  (a file that is not JSON counts as rejected) at the loader's path or at an object holding
  it, except those marked "schema": false: they
  break a rule a JSON Schema cannot express (explained in their "why"), so they must be
  schema-valid, which shows that this rule is the only thing wrong with them;
- every .json file of that directory must be listed in expected.json.

Exits 0 if all holds, 1 otherwise (2 for bad usage).
"""

import json
import pathlib
import sys

import jsonschema


def pointer(error):
    """The JSON pointer of a validation error's instance."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1")
                   for p in error.absolute_path)


def first_error(validator, doc):
    """The most relevant validation error as text, or None."""
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is None:
        return None
    return "%s: %s" % (pointer(error) or "(document)", error.message)


def rejects_at(validator, doc, path):
    """Whether some error of the schema is at the loader's path or at an object holding it
    (a schema reports an unknown key at its object)."""
    for error in validator.iter_errors(doc):
        at = pointer(error)
        if path == at or path.startswith(at + "/"):
            return True
    return False


def load(path):
    """(document, None) or (None, why it is not JSON)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, str(e)


def main(argv):
    if len(argv) != 2:
        print("usage: schema-check.py REPO_ROOT", file=sys.stderr)
        return 2
    root = pathlib.Path(argv[1])
    scenarios = root / "scenarios"
    bad_dir = root / "src" / "reuseport-migration" / "test" / "bad-scenarios"

    schema, problem = load(scenarios / "schema.json")
    if problem:
        print("FAIL scenarios/schema.json: %s" % problem)
        return 1
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print("FAIL scenarios/schema.json is not a valid draft 2020-12 schema: %s" % e.message)
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    failures = []
    checked = 0

    for path in sorted(scenarios.glob("*.json")):
        if path.name == "schema.json":
            continue
        checked += 1
        doc, problem = load(path)
        error = problem or first_error(validator, doc)
        if error:
            failures.append("scenarios/%s: valid scenario rejected: %s" % (path.name, error))

    table, problem = load(bad_dir / "expected.json")
    if problem:
        failures.append("expected.json: %s" % problem)
        table = []
    listed = set()
    for row in table:
        name = row["file"]
        listed.add(name)
        checked += 1
        doc, problem = load(bad_dir / name)
        if row.get("schema", True) is False:
            if not row.get("why"):
                failures.append("%s: marked \"schema\": false without a \"why\"" % name)
            error = problem or first_error(validator, doc)
            if error:
                failures.append("%s: marked \"schema\": false but the schema rejects it: %s"
                                % (name, error))
        elif problem is None and first_error(validator, doc) is None:
            failures.append("%s: bad scenario accepted (the loader says %s: %s)"
                            % (name, row["path"] or "(document)", row["message"]))
        elif problem is None and not rejects_at(validator, doc, row["path"]):
            failures.append("%s: rejected elsewhere than %s: %s"
                            % (name, row["path"] or "(document)", first_error(validator, doc)))
    for path in sorted(bad_dir.glob("*.json")):
        if path.name != "expected.json" and path.name not in listed:
            failures.append("%s: not listed in expected.json" % path.name)

    for f in failures:
        print("FAIL " + f)
    print("schema-check: %d files checked, %d failures" % (checked, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
