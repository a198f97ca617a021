"""Checks that reach out to hosts and endpoints: SSH commands (asyncssh), HTTP probes."""
