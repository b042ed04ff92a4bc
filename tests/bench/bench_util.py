# SPDX-License-Identifier: Apache-2.0
"""What the benchmark scripts share."""

import socket


def free_port():
    """A loopback TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
