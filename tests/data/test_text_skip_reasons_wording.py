"""Two kinds of text among photos were skipped in words that misled. An SVG drawing compressed with gzip (.svgz) was
"an SVG drawing ..., which Pillow does not read: convert it to PNG (rsvg-convert, inkscape) and rerun (compressed
with gzip: ...)": the words on the compression, after the advice, read as though the rerun were compressed; they now
follow what the file is, and the advice ends the reason, as it does for an SVG file not compressed. Pascal VOC's and
ImageNet's bounding-box annotations are XML files without an XML declaration, beginning ``<annotation>``; copied
among the photos (one beside each), each was "not an image, or in a format Pillow cannot read", where an XML file
with a declaration was "not an image but an XML file". Both are now named so; a tag of another name without a
declaration (a README beginning ``<p align="center">``) keeps its reason."""

import gzip
import io
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

from data.test_text_skip_reasons_encodings import SVG, _reason
from minitransfer.data import skip_reasons

VOC = ("<annotation>\n\t<folder>VOC2012</folder>\n\t<filename>2007_000027.jpg</filename>\n\t<size><width>486</width>"
       "<height>500</height><depth>3</depth></size>\n\t<object><name>person</name></object>\n</annotation>\n")


@pytest.mark.parametrize("text", [VOC, "<!-- by LabelImg -->\n" + VOC.replace(">\n", "> \r\n")],
                         ids=["voc", "comment-first-crlf"])
def test_an_annotation_without_a_declaration_is_named_an_xml_file(tmp_path, text):
    assert ElementTree.fromstring(text).tag == "annotation"  # the oracle: XML, its root an <annotation>
    with pytest.raises(Image.UnidentifiedImageError):
        Image.open(io.BytesIO(text.encode()))
    assert _reason(tmp_path, text.encode(), "2007_000027.jpg") == "not an image but an XML file"


def test_another_tag_without_a_declaration_keeps_its_reason(tmp_path):
    assert _reason(tmp_path, b'<p align="center">A dataset</p>\n', "README.jpg") == skip_reasons.UNIDENTIFIED


def test_an_svgz_drawing_is_said_compressed_before_the_advice_to_convert_it(tmp_path):
    data = gzip.compress(SVG.encode())
    assert gzip.decompress(data).decode() == SVG  # the oracle: gzip of an SVG drawing
    plain, compressed = _reason(tmp_path, SVG.encode(), "plain.jpg"), _reason(tmp_path, data, "drawing.svgz")
    advice = "convert it to PNG (rsvg-convert, inkscape) and rerun"
    assert plain.endswith(advice) and compressed.endswith(advice), compressed
    assert compressed.startswith("an SVG drawing") and compressed.index("gzip") < compressed.index(advice), compressed
