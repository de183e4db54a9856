"""local: HTTP clients that keep connections open, one per thread, shared, or one per request.

Run this file: it starts a local server that counts the connections it accepts, and checks the
count each strategy must cause.
"""
import http.client
import http.server
import threading

THREADS, REQUESTS = 4, 10
accepted = 0


class Counting(http.server.ThreadingHTTPServer):
    def get_request(self):
        global accepted
        accepted += 1
        return super().get_request()


class Answer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections open

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def get(conn):
    conn.request("GET", "/")
    return conn.getresponse().read()


# @code local:per-thread
local = threading.local()

def client(host, port):
    if not hasattr(local, "conn"):  # the first request on this thread opens it
        local.conn = http.client.HTTPConnection(host, port)
    return local.conn

def per_thread(host, port):
    def run():
        for _ in range(REQUESTS):
            get(client(host, port))  # reused by every later request on this thread
    run_threads(run)
# @end


# @code local:shared
def shared(host, port):
    conn, lock = http.client.HTTPConnection(host, port), threading.Lock()
    def run():
        for _ in range(REQUESTS):
            with lock:  # http.client is not thread-safe: one request at a time
                get(conn)
    run_threads(run)
# @end


# @code local:per-request
def per_request(host, port):
    def run():
        for _ in range(REQUESTS):
            conn = http.client.HTTPConnection(host, port)  # a new connection every time
            get(conn)
            conn.close()
    run_threads(run)
# @end


def run_threads(run):
    ts = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    server = Counting(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address
    for run, want in [(per_thread, THREADS), (shared, 1), (per_request, THREADS * REQUESTS)]:
        accepted = 0
        run(host, port)
        assert accepted == want, f"{run.__name__}: {accepted} connections, expected {want}"
    server.shutdown()
    print("local: per-thread", THREADS, "shared 1, per-request", THREADS * REQUESTS)
