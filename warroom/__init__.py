"""warroom: a terminal war room for production go-lives on Kubernetes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("warroom")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0.0.0+checkout"
