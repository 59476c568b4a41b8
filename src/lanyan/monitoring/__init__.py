"""Monitoring and warning (监测预警): device protocols, the gateway and the alarm pipeline."""
