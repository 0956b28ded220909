"""Install the image's Python dependencies: the runtime dependencies locked in uv.lock, no more.

    install-deps.py REQUIREMENTS PYPROJECT           # the image build: check, then pip install
    install-deps.py --check REQUIREMENTS PYPROJECT   # check only (`make lock-check`)

REQUIREMENTS is deploy/image/requirements.txt, exported from uv.lock by `make lock`: every package
pinned with its hashes, so pip installs exactly the locked files or stops. The check refuses a
file that lacks a runtime dependency of PYPROJECT or names a package of its extra `local` (the
nats-server and secantusd-py of `make run` and the tests, which never ship). Runs in the image
build (deploy/Containerfile) before the sources are copied, so the layer is cached until the lock
changes. Needs pip only.
"""

import re
import subprocess
import sys
import tomllib

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", NAME.match(requirement.strip()).group(0)).lower()


def problems(requirements: str, pyproject: str) -> list[str]:
    with open(pyproject, "rb") as fh:
        project = tomllib.load(fh)["project"]
    with open(requirements) as fh:
        pinned = {canonical(line) for line in fh if re.match(r"[A-Za-z0-9]", line)}
    runtime = {canonical(r) for r in project["dependencies"]}
    local = {canonical(r) for r in project.get("optional-dependencies", {}).get("local", [])}
    return ([f"{requirements}: runtime dependency {n} is missing: run 'make lock'"
             for n in sorted(runtime - pinned)]
            + [f"{requirements}: {n} belongs to the extra 'local' and must not reach the image"
               for n in sorted(local & pinned)])


if __name__ == "__main__":
    check_only = sys.argv[1] == "--check"
    requirements, pyproject = sys.argv[2:] if check_only else sys.argv[1:]
    found = problems(requirements, pyproject)
    if found:
        sys.exit("\n".join(found))
    if not check_only:
        subprocess.run([sys.executable, "-m", "pip", "install", "--require-hashes",
                        "--only-binary=:all:", "-r", requirements], check=True)
