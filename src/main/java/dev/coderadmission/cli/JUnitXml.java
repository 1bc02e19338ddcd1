package dev.coderadmission.cli;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;

/** A JUnit XML report ({@code <testsuites>}) as CI systems read it; the body writes the suites. */
final class JUnitXml {
    @FunctionalInterface
    interface Body {
        void write(XMLStreamWriter xml) throws XMLStreamException;
    }

    private JUnitXml() {
    }

    static String of(Body suites) {
        var text = new StringWriter();
        try {
            var xml = XMLOutputFactory.newInstance().createXMLStreamWriter(text);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeStartElement("testsuites");
            suites.write(xml);
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            // an in-memory writer of well-formed calls cannot fail: a bug, not bad input
            throw new IllegalStateException(e);
        }
        return text.toString();
    }
}
