"""Products (产品): the catalogue, categories and price lists."""
