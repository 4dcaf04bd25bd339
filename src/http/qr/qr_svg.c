/*
 * qr_svg: text as a QR code in SVG, the one file that knows libqrencode
 * (built only where it is found: CMakeLists.txt). One path of unit
 * squares, a quiet zone of four modules, no scripts: an <img> shows it.
 */
#include <errno.h>
#include <qrencode.h>
#include <stdio.h>

#include "../http_int.h"

#define QUIET 4 /* modules of white around the code (ISO/IEC 18004) */

int
http_qr_svg(const char *text, struct buf *out)
{
        QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        char cell[48];
        int w, size;

        if (!qr)
                return -errno; /* EINVAL, ENOMEM, ERANGE: too long */
        w = qr->width;
        size = w + 2 * QUIET;
        snprintf(cell, sizeof(cell), "%d", size);
        buf_adds(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "viewBox=\"0 0 ");
        buf_adds(out, cell);
        buf_addc(out, ' ');
        buf_adds(out, cell);
        buf_adds(out, "\" shape-rendering=\"crispEdges\">"
                      "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
                      "<path fill=\"#000\" d=\"");
        for (int y = 0; y < w; y++)
                for (int x = 0; x < w; x++)
                        if (qr->data[y * w + x] & 1) {
                                snprintf(cell, sizeof(cell), "M%d %dh1v1h-1z",
                                         x + QUIET, y + QUIET);
                                buf_adds(out, cell);
                        }
        buf_adds(out, "\"/></svg>\n");
        QRcode_free(qr);
        return 0;
}
