"""One MQTT subscription whose messages are acknowledged only after they are stored.

Both MQTT ingests (GB/T 26875 signals in ``monitoring/mqtt.py``, vehicle positions in
``vehicles/mqtt.py``) keep a persistent session (``clean_session=False``) and acknowledge by
hand: the broker keeps a QoS 1 message until the subclass's ``_on_message`` has stored it and
called ``client.ack``. The subscription is renewed on every connect, because a broker that
lost the session would drop it otherwise.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import paho.mqtt.client as paho

log = logging.getLogger(__name__)

QOS = 1


class Subscriber:
    """Subscribe to ``topic`` (QoS 1) as ``client_id``; ``_on_message`` is the subclass's."""

    def __init__(self, topic: str, client_id: str) -> None:
        self.topic = topic
        self._subscribed = threading.Event()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_message(self, client: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        raise NotImplementedError

    def connect(self, host: str = "127.0.0.1", port: int = 1883, keepalive: int = 60) -> None:
        self.client.connect(host, port, keepalive)

    def start(self, timeout: float = 10.0) -> None:
        """Run the network loop in a background thread; return once subscribed."""
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise TimeoutError(f"not subscribed to {self.topic} within {timeout}s")

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def serve_forever(self) -> None:
        """Run the network loop in this thread, reconnecting after a lost connection."""
        self.client.loop_forever(retry_first_connection=True)

    def _on_connect(self, client: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("mqtt connect refused: %s", reason)
            return
        client.subscribe(self.topic, qos=QOS)

    def _on_subscribe(self, _c: paho.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if any(code.is_failure for code in codes):
            log.error("mqtt subscription to %s refused: %s", self.topic, codes)
            return
        self._subscribed.set()
