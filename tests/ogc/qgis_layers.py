"""Open the collections of the OGC API in QGIS, headless, as a planner does (docs/qgis.md).

Run by Debian's python3, which holds QGIS's bindings (python3-qgis), from test_clients.py:

    QT_QPA_PLATFORM=offscreen python3 qgis_layers.py OUT.json URL TOKEN|- COLLECTION[:read] …

An account signs in with a basic authentication configuration whose password is its API token.
Writes to OUT.json, for each collection: whether the layer is valid, its CRS, its feature count,
and for those marked `:read` the features read and how many carry a grade.
"""

from __future__ import annotations

import json
import sys

from qgis.core import NULL, QgsApplication, QgsAuthMethodConfig, QgsVectorLayer


def basic_authentication(token: str) -> str:
    """The id of a stored basic authentication configuration carrying `token`."""
    manager = QgsApplication.authManager()
    manager.setMasterPassword("qualiparc-tests", True)
    config = QgsAuthMethodConfig("Basic")
    config.setName("qualiparc")
    config.setConfig("username", "planificateur")
    config.setConfig("password", token)
    manager.storeAuthenticationConfig(config)
    return config.id()


def open_layers(url: str, token: str, collections: list[str]) -> dict[str, dict]:
    authentication = "" if token == "-" else f" authcfg='{basic_authentication(token)}'"
    found = {}
    for spec in collections:
        name, _, read = spec.partition(":")
        layer = QgsVectorLayer(f"url='{url}' typename='{name}'{authentication}", name, "OAPIF")
        result = {
            "valid": layer.isValid(),
            "crs": layer.crs().authid(),
            "count": layer.featureCount(),
        }
        if read:
            features = list(layer.getFeatures())
            result["read"] = len(features)
            if "grade" in layer.fields().names():
                result["graded"] = sum(1 for f in features if f["grade"] not in (None, NULL))
        found[name] = result
    return found


def main(out: str, url: str, token: str, *collections: str) -> None:
    application = QgsApplication([], False)
    application.initQgis()
    try:
        found = open_layers(url, token, list(collections))
    finally:
        application.exitQgis()
    with open(out, "w", encoding="utf-8") as file:
        json.dump(found, file)


if __name__ == "__main__":
    main(*sys.argv[1:])
