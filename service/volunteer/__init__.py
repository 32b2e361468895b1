"""The volunteer's side: sign-in links, my page (/me), the calendar feed, the certificate of volunteering."""
