"""Both sites' pages load every script, style sheet and image from their own server."""

from html.parser import HTMLParser


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def assert_page_assets_are_local(client, path: str) -> list[str]:
    """The page answers 200, names no other host, and each asset it names answers 200."""
    response = client.get(path)
    assert response.status_code == 200, path
    parser = _AssetLinks()
    parser.feed(response.content.decode())
    assert parser.urls, f"{path} loads no asset"
    for url in parser.urls:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url}"
        asset = client.get(url)
        assert asset.status_code == 200, url
        if hasattr(asset, "close"):
            asset.close()
    return parser.urls
