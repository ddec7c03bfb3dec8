#!/usr/bin/python3
"""Cartable behind a real nginx on loopback (issue 16, server/forwarded.h).

Starts `cartable serve` ([server] trusted_proxies = 127.0.0.1, public_url set, [log] format =
json, [accounts] address_max_failures = 3) and Debian's nginx in front of it, speaking TLS (a
self-signed certificate made here with openssl) and HTTP/2 to clients, with the proxy settings
of docs/deployment.md (the `cartable_proxy.conf` block is read from the page itself, so the
documented headers are the tested ones; the page's two site files must pass `nginx -t`). Clients connect from other loopback addresses
(127.0.0.2, 127.0.0.4) than nginx's (127.0.0.1), so the client and the proxy can be told apart:

 1. through nginx, the access log shows the client's address as `remote` and nginx's as `peer`,
    even when the client sent its own X-Forwarded-For;
 2. the X-Request-Id nginx made ($request_id) is the response's and the access log line's;
 3. a redirect (/.well-known/caldav) names public_url, not the Host nginx passed on;
 4. cookies are Secure when nginx says the client used https; a direct client sending
    X-Forwarded-For / X-Forwarded-Proto / X-Request-Id itself changes nothing;
 5. the sign-in failure limit counts the client, not nginx: after 3 wrong passwords from
    127.0.0.2 it gets 429 while 127.0.0.4, through the same nginx, still signs in.

Loopback and ephemeral ports only; bounded time (about 10 s). Fails (never skips) when nginx or
openssl is missing.
usage: proxy_test.py --binary PATH [--keep]
"""
import argparse
import base64
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOGIN, PASSWORD = "proxied", "proxied-pw-1"
PUBLIC_URL = "http://agenda.example.test"
FAILURES = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else f": {detail}"))
    if not cond:
        FAILURES.append(name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proxy_include():
    """The `cartable_proxy.conf` block of docs/deployment.md."""
    with open(os.path.join(ROOT, "docs", "deployment.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"### `/etc/nginx/cartable_proxy\.conf`\s*\n+```nginx\n(.*?)```", text, re.S)
    if not m:
        raise RuntimeError("docs/deployment.md has no cartable_proxy.conf block")
    return m.group(1)


def documented_sites_pass_nginx_t(root):
    """Both site files of docs/deployment.md (several nodes; one node), with the certificate and
    include paths rewritten to `root`, pass `nginx -t`."""
    with open(os.path.join(ROOT, "docs", "deployment.md"), encoding="utf-8") as f:
        text = f.read()
    check_dir = os.path.join(root, "nginx-t")
    os.makedirs(os.path.join(check_dir, "logs"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=x",
                    "-keyout", os.path.join(check_dir, "privkey.pem"), "-out",
                    os.path.join(check_dir, "fullchain.pem")],
                   check=True, capture_output=True, timeout=30)
    with open(os.path.join(check_dir, "cartable_proxy.conf"), "w") as f:
        f.write(proxy_include())
    for heading in ("### `/etc/nginx/conf.d/cartable.conf`", "### One node behind nginx"):
        at = text.find(heading)
        m = re.search(r"```nginx\n(.*?)```", text[at:], re.S) if at >= 0 else None
        if not m:
            check(f"docs/deployment.md has the site after {heading!r}", False)
            continue
        site = m.group(1).replace("/etc/ssl/cartable/", check_dir + "/")
        site = site.replace("/etc/nginx/", check_dir + "/")
        with open(os.path.join(check_dir, "site.conf"), "w") as f:
            f.write(site)
        with open(os.path.join(check_dir, "nginx.conf"), "w") as f:
            f.write(f"pid {check_dir}/nginx.pid; error_log {check_dir}/logs/error.log;\n"
                    "events { worker_connections 64; }\n"
                    f"http {{ access_log {check_dir}/logs/access.log;\n"
                    f"  client_body_temp_path {check_dir}/body; proxy_temp_path {check_dir}/p;\n"
                    f"  fastcgi_temp_path {check_dir}/f; uwsgi_temp_path {check_dir}/u;\n"
                    f"  scgi_temp_path {check_dir}/s; include {check_dir}/site.conf; }}\n")
        r = subprocess.run(["nginx", "-t", "-p", check_dir, "-c",
                            os.path.join(check_dir, "nginx.conf"), "-e",
                            os.path.join(check_dir, "logs", "error.log")],
                           capture_output=True, text=True, timeout=30)
        check(f"nginx -t accepts the site after {heading!r}", r.returncode == 0, r.stderr)


def start_cartable(binary, root):
    data = os.path.join(root, "data")
    os.mkdir(data)
    config = os.path.join(root, "cartable.ini")
    with open(config, "w") as f:
        # public_url is http here so that Secure cookies can only come from X-Forwarded-Proto
        # (an https public_url makes every cookie Secure).
        f.write(f"[server]\npublic_url = {PUBLIC_URL}\ntrusted_proxies = 127.0.0.1 ::1\n"
                "[accounts]\naddress_max_failures = 3\naddress_window_minutes = 15\n"
                f"[log]\naccess_log_file = {root}/access.log\naccess_log_flush_ms = 0\n"
                "format = json\n")
    subprocess.run([binary, "--config", config, "--data", data, "user", "add", LOGIN, "--name",
                    "Proxied Person", "--email", "proxied@ac-orleans-tours.fr",
                    "--password-stdin"], input=PASSWORD + "\n", text=True, check=True,
                   capture_output=True, timeout=60)
    log = open(os.path.join(root, "server.log"), "w")
    proc = subprocess.Popen([binary, "--config", config, "--data", data, "serve", "--listen",
                             "127.0.0.1:0", "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
        if m:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, int(m.group(1))
    proc.kill()
    raise RuntimeError("cartable did not start; see " + log.name)


def start_nginx(root, upstream_port):
    ngx = os.path.join(root, "nginx")
    os.makedirs(os.path.join(ngx, "logs"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=agenda.example.test", "-keyout", os.path.join(ngx, "key.pem"), "-out",
                    os.path.join(ngx, "cert.pem")], check=True, capture_output=True, timeout=30)
    with open(os.path.join(ngx, "cartable_proxy.conf"), "w") as f:
        f.write(proxy_include())
    port = free_port()
    # The site as docs/deployment.md writes it (TLS, HTTP/2, the include), on loopback; nginx
    # logs its own $request_id to compare with Cartable's.
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write(f"""daemon off; worker_processes 1; pid {ngx}/nginx.pid;
error_log {ngx}/logs/error.log;
events {{ worker_connections 64; }}
http {{
  log_format ids '$request_id $remote_addr $status';
  access_log {ngx}/logs/access.log ids;
  client_body_temp_path {ngx}/body; proxy_temp_path {ngx}/proxy;
  fastcgi_temp_path {ngx}/f; uwsgi_temp_path {ngx}/u; scgi_temp_path {ngx}/s;
  upstream cartable {{ server 127.0.0.1:{upstream_port}; keepalive 4; }}
  server {{
    listen 127.0.0.1:{port} ssl http2;
    server_name agenda.example.test;
    ssl_certificate {ngx}/cert.pem; ssl_certificate_key {ngx}/key.pem;
    client_max_body_size 10m;
    location / {{ proxy_pass http://cartable; include {ngx}/cartable_proxy.conf; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", ngx, "-c", os.path.join(ngx, "nginx.conf"), "-e",
                             os.path.join(ngx, "logs", "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port, ngx
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("nginx exited: " + proc.stderr.read())
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("nginx did not listen")


def request(port, method, path, source, headers=None, tls=True, password=None):
    """(status, headers dict with lower-case names, body) from `source` (a loopback address)."""
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=ctx,
                                           source_address=(source, 0))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                          source_address=(source, 0))
    h = dict(headers or {})
    h.setdefault("Host", "agenda.example.test")
    if password is not None:
        h["Authorization"] = "Basic " + base64.b64encode(
            f"{LOGIN}:{password}".encode()).decode()
    body = None
    if method == "PROPFIND":
        h["Depth"] = "0"
        h["Content-Type"] = "application/xml"
        body = '<propfind xmlns="DAV:"><prop><resourcetype/></prop></propfind>'
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode(errors="replace"))
        # Every Set-Cookie (getheaders keeps each line).
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        out[1]["set-cookie*"] = cookies
        return out
    finally:
        conn.close()


def log_lines(root, count, timeout=10):
    """The JSON access log lines once there are at least `count`."""
    deadline = time.monotonic() + timeout
    while True:
        with open(os.path.join(root, "access.log")) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def line_for(lines, request_id):
    found = [l for l in lines if l.get("request_id") == request_id]
    return found[0] if len(found) == 1 else None


def run(binary, root):
    documented_sites_pass_nginx_t(root)
    server, port = start_cartable(binary, root)
    nginx = None
    try:
        nginx, ngport, ngx = start_nginx(root, port)
        seen = 0

        # 1-3: a redirect through nginx, from 127.0.0.2, with a spoofed X-Forwarded-For.
        status, h, _ = request(ngport, "GET", "/.well-known/caldav", "127.0.0.2",
                               {"X-Forwarded-For": "6.6.6.6", "X-Request-Id": "client-chosen"})
        seen += 1
        check("well-known redirect through nginx", status == 301, status)
        check("Location uses public_url", h.get("location") == PUBLIC_URL + "/dav/",
              h.get("location"))
        rid = h.get("x-request-id", "")
        nginx_ids = []
        deadline = time.monotonic() + 10  # nginx logs after the response went out
        while rid not in nginx_ids and time.monotonic() < deadline:
            with open(os.path.join(ngx, "logs", "access.log")) as f:
                nginx_ids = [line.split()[0] for line in f if line.strip()]
            time.sleep(0.05)
        check("X-Request-Id is nginx's $request_id", rid != "" and rid in nginx_ids,
              (rid, nginx_ids))
        line = line_for(log_lines(root, seen), rid)
        check("access log line carries the request id", line is not None, rid)
        if line:
            check("access log: remote is the client behind nginx", line["remote"] == "127.0.0.2",
                  line)
            check("access log: peer is nginx", line["peer"] == "127.0.0.1", line)
            check("access log: status and path", line["status"] == 301
                  and line["path"] == "/.well-known/caldav", line)

        # 4: Secure cookies from X-Forwarded-Proto https (nginx's $scheme), not from a client.
        status, h, _ = request(ngport, "GET", "/connexion", "127.0.0.2")
        seen += 1
        cookies = h["set-cookie*"]
        check("sign-in page through nginx", status == 200, status)
        check("cookie Secure behind TLS nginx", cookies and all("; Secure" in c for c in cookies),
              cookies)
        status, h, _ = request(port, "GET", "/connexion", "127.0.0.3",
                               {"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6",
                                "X-Request-Id": "client-chosen"}, tls=False)
        seen += 1
        cookies = h["set-cookie*"]
        check("direct client: no Secure from its own X-Forwarded-Proto",
              status == 200 and cookies and not any("Secure" in c for c in cookies), cookies)
        direct_id = h.get("x-request-id", "")
        check("direct client: a new request id, not its own",
              re.fullmatch(r"[0-9a-f]{32}", direct_id) is not None, direct_id)
        line = line_for(log_lines(root, seen), direct_id)
        check("direct client: logged under its own address",
              line is not None and line["remote"] == "127.0.0.3" and line["peer"] == "127.0.0.3",
              line)
        with open(os.path.join(root, "access.log")) as f:
            text = f.read()
        check("spoofed addresses never logged", "6.6.6.6" not in text and "client-chosen"
              not in text, text[-500:])

        # 5: the sign-in failure limit counts the client behind nginx.
        statuses = [request(ngport, "PROPFIND", "/dav/", "127.0.0.2", password=f"wrong-{i}")[0]
                    for i in range(3)]
        seen += 3
        check("wrong passwords through nginx: 401", statuses == [401, 401, 401], statuses)
        status, h, _ = request(ngport, "PROPFIND", "/dav/", "127.0.0.2", password=PASSWORD)
        seen += 1
        check("4th attempt from the same client: 429", status == 429 and "retry-after" in h,
              (status, h))
        status, _, _ = request(ngport, "PROPFIND", "/dav/", "127.0.0.4", password="wrong-x")
        seen += 1
        check("another client through the same nginx: 401, not 429", status == 401, status)
        status, _, _ = request(ngport, "PROPFIND", "/dav/", "127.0.0.4", password=PASSWORD)
        seen += 1
        check("another client through the same nginx signs in", status == 207, status)
        lines = log_lines(root, seen)
        limited = [l for l in lines if l["status"] == 429]
        check("the 429 is logged under the client's address",
              len(limited) == 1 and limited[0]["remote"] == "127.0.0.2"
              and limited[0]["peer"] == "127.0.0.1", limited)
        check("one JSON line per request", len(lines) == seen, (len(lines), seen))
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    for tool in ("nginx", "openssl"):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            print(f"FAIL {tool} is not installed (scripts/lib.sh PACKAGES installs it)")
            return 1
    os.environ["PATH"] += os.pathsep + "/usr/sbin"
    root = tempfile.mkdtemp(prefix="cartable-proxy-")
    os.chmod(root, 0o755)  # nginx's worker (nobody when run as root) reads below it
    try:
        run(args.binary, root)
    except Exception as e:  # setup failures are failures, never skips
        check("setup", False, repr(e))
    finally:
        if args.keep:
            print("kept", root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)" if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
