"""A minimal HTTP collector for the container check and the soak: appends each POSTed body, one per line, to
a file and answers 204 after an optional delay. Usage: collector.py PORT FILE [DELAY_SECONDS]"""
import http.server
import sys
import time

port, path = int(sys.argv[1]), sys.argv[2]
delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0


class Collector(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(delay)
        with open(path, "ab") as out:
            out.write(body + b"\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Collector).serve_forever()
