"""io: download n pages that each take `latency` seconds to answer, from a local server.

Run this file: it starts a small delaying HTTP server on loopback and checks that every strategy
received every page's bytes.
"""
import asyncio
import concurrent.futures
import http.server
import multiprocessing
import threading
import time
import urllib.request

LATENCY = 0.05


class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(LATENCY)
        body = self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def fetch(url):
    with urllib.request.urlopen(url) as response:
        return response.read()


# @code io:sequential
def sequential(urls):
    return [fetch(u) for u in urls]  # n pages take n latencies
# @end


# @code io:threads
def threads(urls):
    pages = [None] * len(urls)
    def get(k):
        pages[k] = fetch(urls[k])  # the GIL is released while waiting
    ts = [threading.Thread(target=get, args=(k,)) for k in range(len(urls))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return pages
# @end


# @code io:pool
def pool(urls, workers=5):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        return list(ex.map(fetch, urls))
# @end


# @code io:async
async def fetch_async(host, port, path):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    response = await reader.read()  # waits here; other downloads run meanwhile
    writer.close()
    return response.split(b"\r\n\r\n", 1)[1]

async def run_async(host, port, paths):
    return await asyncio.gather(*(fetch_async(host, port, p) for p in paths))
# @end


# @code io:processes io:workers
def processes(urls, workers=2):
    with multiprocessing.Pool(workers) as p:
        return p.map(fetch, urls)
# @end


# @code io:hybrid
def one_process(host, port, paths):
    return asyncio.run(run_async(host, port, paths))  # an event loop per process

def hybrid(host, port, paths, workers=2):
    shares = [(host, port, paths[k::workers]) for k in range(workers)]
    with multiprocessing.Pool(workers) as p:
        parts = p.starmap(one_process, shares)
    pages = [None] * len(paths)
    for k, part in enumerate(parts):
        pages[k::workers] = part
    return pages
# @end


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address
    paths = [f"/page/{k}" for k in range(20)]
    urls = [f"http://{host}:{port}{p}" for p in paths]
    want = [p.encode() for p in paths]
    results = {
        "sequential": sequential(urls),
        "threads": threads(urls),
        "pool": pool(urls),
        "async": asyncio.run(run_async(host, port, paths)),
        "processes": processes(urls),
        "hybrid": hybrid(host, port, paths),
    }
    server.shutdown()
    for name, pages in results.items():
        assert list(pages) == want, f"{name} lost or mixed up pages"
    print("io: every strategy got all", len(want), "pages")
