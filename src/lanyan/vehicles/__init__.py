"""Vehicles in the field (车辆): terminal positions over JT/T 808 and MQTT, the binding of
terminals to registry vehicles, the live position of each vehicle and its kept track."""
