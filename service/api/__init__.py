"""HTTP controllers, one module per resource; each calls a service in `service.register`."""
