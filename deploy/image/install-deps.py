"""Install the dependencies declared in pyproject.toml, without the project.

Runs inside the image build (deploy/Containerfile) so the dependency layer is
cached until pyproject.toml changes.
"""

import subprocess
import sys
import tomllib

with open(sys.argv[1], "rb") as fh:
    deps = tomllib.load(fh)["project"]["dependencies"]
subprocess.run([sys.executable, "-m", "pip", "install", *deps], check=True)
