"""Command and rescue (指挥救援): road network and routing; incidents, run cards and pre-plans follow."""
