# Files on the band's flash written atomically: a temp file, then a rename over the old one, so a
# write cut short (power loss, full flash) leaves the old file or the temp one, never half a file.
import os

TMP_SUFFIX = ".tmp"


# Writes data to path atomically; raises OSError (the old file is left as it was).
def write_atomic(path, data):
    tmp = path + TMP_SUFFIX
    try:
        with open(tmp, "wb") as f:
            n = f.write(data)
            if n is not None and n != len(data):
                raise OSError(28)
    except OSError:
        remove(tmp)
        raise
    try:
        os.rename(tmp, path)
    except OSError:
        # FAT will not rename over an existing file; readers fall back to tmp if cut here.
        remove(path)
        os.rename(tmp, path)


# Deletes path if it exists.
def remove(path):
    try:
        os.remove(path)
    except OSError:
        pass
