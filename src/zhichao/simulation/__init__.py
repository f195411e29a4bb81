"""Realistic simulated WIM traffic for demos, tests and load: pure, deterministic per seed.

``traffic`` drives the simulation (``Traffic``, ``SimStation``, ``load_sim_stations``); ``vehicles``
holds the truck classes and the simulator's own limit table; ``plates`` the licence plates;
``passages`` renders one passage as a contract-shaped record; ``evidence`` rebuilds the bytes of the
images a simulated record names.
"""
