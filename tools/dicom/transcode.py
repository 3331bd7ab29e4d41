#!/usr/bin/python3
"""Re-encode DICOM files' pixel data in another transfer syntax with GDCM (Debian's python3-gdcm).

    tools/dicom/transcode.py SYNTAX SRC DST [SRC DST ...]

SYNTAX: j2k (JPEG 2000 lossless), j2k-lossy (JPEG 2000, irreversible), jpegls (JPEG-LS lossless),
jpegls-near (JPEG-LS near-lossless, error bound 2), jpeg-lossless (JPEG lossless, process 14 SV1),
rle (RLE lossless). The tests use it to put the
phantoms' DICOM files through the codecs the way a PACS would hand them over.
"""

import sys

import gdcm


def transcode(syntax, src, dst):
    reader = gdcm.ImageReader()
    reader.SetFileName(src)
    if not reader.Read():
        raise SystemExit(f"cannot read {src}")
    change = gdcm.ImageChangeTransferSyntax()
    if syntax == "j2k":
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEG2000Lossless))
    elif syntax == "j2k-lossy":
        codec = gdcm.JPEG2000Codec()
        codec.SetRate(0, 20)
        change.SetUserCodec(codec)
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEG2000))
    elif syntax == "jpegls":
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGLSLossless))
    elif syntax == "jpegls-near":
        codec = gdcm.JPEGLSCodec()
        codec.SetLossless(False)
        codec.SetLossyError(2)
        change.SetUserCodec(codec)
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGLSNearLossless))
    elif syntax == "jpeg-lossless":
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGLosslessProcess14_1))
    elif syntax == "rle":
        change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.RLELossless))
    else:
        raise SystemExit(f"unknown syntax {syntax}")
    change.SetInput(reader.GetImage())
    if not change.Change():
        raise SystemExit(f"cannot transcode {src} to {syntax}")
    writer = gdcm.ImageWriter()
    writer.SetFileName(dst)
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    if not writer.Write():
        raise SystemExit(f"cannot write {dst}")


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        raise SystemExit(__doc__)
    syntax = argv[0]
    for i in range(1, len(argv), 2):
        transcode(syntax, argv[i], argv[i + 1])


if __name__ == "__main__":
    main(sys.argv[1:])
