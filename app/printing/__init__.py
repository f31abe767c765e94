"""What the server prints: the élu's one-page PDF, PNG map views, offline HTML maps (Folium)."""
