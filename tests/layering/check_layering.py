#!/usr/bin/python3
"""Fails when the module graph contradicts the layering (STYLE.md: dependencies point down,
transport -> application glue -> DAV engine / directory -> store -> base types).

Two checks:
  * includes: no file under dav/ or directory/ includes a transport header (server/..., except
    the HTTP-message library server/http/), and server/http/ includes nothing else of server/;
  * links: the libraries of dav/ and directory/, and the HTTP-message library, do not link the
    transport (cartable_server), the application glue (cartable_app), Pistache or libcurl,
    directly or transitively (read from library_graph.txt, which CMake writes at configure time).

Usage: check_layering.py SOURCE_DIR LIBRARY_GRAPH_FILE
"""
import pathlib
import re
import sys

ENGINE_DIRS = ("dav", "directory")
# What the engine's libraries must never reach, directly or through another library.
FORBIDDEN_LINKS = {"cartable_server", "cartable_app", "PkgConfig::PISTACHE", "PkgConfig::LIBCURL"}
ENGINE_LIBS = ("cartable_status", "cartable_http", "cartable_store", "cartable_caldav",
               "cartable_carddav", "cartable_dav", "cartable_directory")
INCLUDE = re.compile(r'^\s*#\s*include\s+"(server/[^"]+)"', re.M)


def include_violations(src):
    found = []
    for top in ENGINE_DIRS + ("server/http",):
        for path in sorted((src / top).rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            for header in INCLUDE.findall(path.read_text(encoding="utf-8")):
                if not header.startswith("server/http/"):
                    found.append(f"{path.relative_to(src)} includes {header}")
    return found


def read_graph(path):
    graph = {}
    for line in pathlib.Path(path).read_text().splitlines():
        name, _, deps = line.partition(":")
        graph[name.strip()] = [d for d in deps.replace(";", " ").split() if d]
    return graph


def link_violations(graph):
    found = []
    for lib in ENGINE_LIBS:
        if lib not in graph:
            found.append(f"{lib} is missing from the library graph")
            continue
        seen, stack, parent = set(), [lib], {lib: None}
        while stack:
            node = stack.pop()
            for dep in graph.get(node, []):
                if dep in seen:
                    continue
                seen.add(dep)
                parent.setdefault(dep, node)
                stack.append(dep)
        for bad in sorted(seen & FORBIDDEN_LINKS):
            chain, node = [], bad
            while node is not None:
                chain.append(node)
                node = parent.get(node)
            found.append(f"{lib} links {bad}: {' -> '.join(reversed(chain))}")
    return found


def main():
    src, graph_file = pathlib.Path(sys.argv[1]), sys.argv[2]
    graph = read_graph(graph_file)
    problems = include_violations(src) + link_violations(graph)
    for lib in sorted(graph):
        print(f"{lib}: {', '.join(graph[lib]) or '-'}")
    for p in problems:
        print("LAYERING VIOLATION:", p)
    print(f"layering: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
