#!/usr/bin/python3
"""Wraps one image of an OCI layout (made by umoci) as a `docker save`
archive, without docker: manifest.json, the config as <hex>.json and each
layer, decompressed, as <hex>/layer.tar. The layers are umoci's; only the
archive around them is assembled here.

  oci2docker.py LAYOUT REF REPOTAG OUT.tar
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def blob(layout, digest):
    algo, hexd = digest.split(":", 1)
    assert algo == "sha256" and len(hexd) == 64 and all(c in "0123456789abcdef" for c in hexd)
    with open(os.path.join(layout, "blobs", algo, hexd), "rb") as f:
        return f.read()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    layout, ref, tag, out = sys.argv[1:]
    index = json.loads(blob_index(layout))
    descs = [m for m in index["manifests"]
             if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == ref]
    if len(descs) != 1:
        sys.exit(f"oci2docker: no single manifest {ref!r} in {layout}")
    manifest = json.loads(blob(layout, descs[0]["digest"]))
    config = blob(layout, manifest["config"]["digest"])
    members = []
    cfg_name = manifest["config"]["digest"].split(":")[1] + ".json"
    members.append((cfg_name, config))
    layers = []
    for l in manifest["layers"]:
        data = blob(layout, l["digest"])
        if l["mediaType"].endswith("+gzip"):
            data = gzip.decompress(data)
        name = hashlib.sha256(data).hexdigest() + "/layer.tar"
        members.append((name, data))
        layers.append(name)
    members.append(("manifest.json", json.dumps(
        [{"Config": cfg_name, "RepoTags": [tag], "Layers": layers}]).encode()))
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            if "/" in name:
                d = tarfile.TarInfo(name.split("/")[0])
                d.type = tarfile.DIRTYPE
                d.mode = 0o755
                t.addfile(d)
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
    os.rename(tmp, out)


def blob_index(layout):
    with open(os.path.join(layout, "index.json"), "rb") as f:
        return f.read()


if __name__ == "__main__":
    main()
