"""Logistics (战勤保障): the equipment catalogue, items through their lifecycle, reserves, labels."""
