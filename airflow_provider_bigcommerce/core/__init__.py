"""The provider's core: plain Python, no Airflow. ``properties`` (the connection properties), ``errors`` (typed
errors carrying codes and facts), ``http`` (the REST client), ``paging`` (reading lists exactly once), ``export``
(resources to storage), ``auth`` (tokens and OAuth), ``change_marker`` (what the change trigger compares)."""
