"""OGC API – Features (Part 1 Core, Part 2 CRS): the collections, their features written by
PostGIS, and the coordinate reference systems offered. The routes are in `app/api/routes/ogc.py`.
"""
