"""The OAuthSettingsLocation: what it holds (``values``), its encryption (``crypto``), the file's format and
the rules for its folder (``file_format``), the file and memory stores (``file_store``), object storage
(``object_store``), and the store a location names (``location``)."""
