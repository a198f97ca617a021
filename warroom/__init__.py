"""warroom: a terminal war room for production go-lives on Kubernetes."""
