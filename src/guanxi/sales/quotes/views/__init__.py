"""Pages of quotes (报价单): the list, the editor, the quote page with its status steps, the printable page."""
