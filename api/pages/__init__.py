"""People's pages (server-rendered HTML): thin routes over ``parkgis`` services.

``render`` holds the machinery every page uses (templates, language, formats, CSRF);
``staff`` the signed-in chrome and the staff home; ``signin`` the sign-in and sign-out.
"""
