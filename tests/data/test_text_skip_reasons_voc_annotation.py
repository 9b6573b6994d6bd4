"""Pascal VOC's and ImageNet's bounding-box annotations are XML files without an XML declaration, beginning
``<annotation>``; copied among the photos (one beside each), each was skipped as "not an image, or in a format Pillow
cannot read", where an XML file with a declaration was "not an image but an XML file". Both are now named so; a tag
of another name without a declaration (a README beginning ``<p align="center">``) keeps its reason."""

import io
import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

from minitransfer.data import decode, skip_reasons

VOC = ("<annotation>\n\t<folder>VOC2012</folder>\n\t<filename>2007_000027.jpg</filename>\n\t<size><width>486</width>"
       "<height>500</height><depth>3</depth></size>\n\t<object><name>person</name></object>\n</annotation>\n")


def _reason(tmp_path, data, name="2007_000027.jpg"):
    path = tmp_path / name
    path.write_bytes(data)
    pixels, reason = decode.load_item(decode.ImportItem(path=str(path)), 8)[:2]
    assert pixels is None
    return reason


@pytest.mark.parametrize("text", [VOC, "<!-- by LabelImg -->\n" + VOC.replace(">\n", "> \r\n")],
                         ids=["voc", "comment-first-crlf"])
def test_an_annotation_without_a_declaration_is_named_an_xml_file(tmp_path, text):
    assert ElementTree.fromstring(text).tag == "annotation"  # the oracle: XML, its root an <annotation>
    with pytest.raises(Image.UnidentifiedImageError):
        Image.open(io.BytesIO(text.encode()))
    assert _reason(tmp_path, text.encode()) == "not an image but an XML file"


def test_another_tag_without_a_declaration_keeps_its_reason(tmp_path):
    assert _reason(tmp_path, b'<p align="center">A dataset</p>\n', "README.jpg") == skip_reasons.UNIDENTIFIED
