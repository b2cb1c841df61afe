"""Published versions of the service terms, from the vendor's own text (the seed).

A published version is never changed: the data migration that installs it copies these
constants, and a new text becomes TERMS_V2 plus a new migration. Spelling was corrected
from the seed; the meaning was kept, except the virus paragraph, whose "si no tiene un
respaldo bueno" contradicted its own recommendation and now reads "si tiene".
"""

TERMS_V1 = {
    "document": "reinstalacion",
    "version": "2025.1",
    "title": "Términos para la reinstalación del software de punto de venta y gestión itplusnet",
    "body": """\
Itplusnet Ltda. ha dispuesto para usted la atención de nuestra área de soporte, que otorga \
el servicio a todos nuestros clientes que trabajan con el software de punto de venta y \
gestión itplusnet.

Sin necesidad de tener un contrato activo por el servicio, usted podrá realizar el pago \
en línea y recibir inmediatamente una atención, a través de la Mesa de Ayuda, la cual \
reinstalará el software de punto de venta y gestión itplusnet.

Al término del proceso de pago, será derivado a una página que le otorgará varias vías de \
contacto con nuestra área de soporte; en su defecto, usted puede esperar a que un técnico \
tome contacto telefónico con usted.

HORARIO DE ATENCIÓN
El horario de atención para la reinstalación del software es de lunes a viernes de 09:00 \
a 18:30 horas, pero queda a su disposición coordinar con nuestra Mesa de Ayuda la \
ejecución del trabajo, sin necesidad de disponer de su tiempo en forma inmediata una vez \
realizado el pago en línea. Nuestra Mesa de Ayuda no trabaja para este servicio fuera del \
horario de oficina, fines de semana ni feriados.

TIEMPO DE SOLUCIÓN
El tiempo de una reinstalación del software es de aproximadamente 90 minutos, pero queda \
sujeto a la velocidad de conexión a internet y a la rapidez del equipo del cliente.

TRABAJO A EJECUTAR
Nuestra Mesa de Ayuda se conectará remotamente a su equipo y, tenga usted o no el \
software en CD, se instalará el sistema completo, dejándolo en las mismas condiciones que \
tenía anteriormente. Si el equipo tiene la condición de SERVIDOR, se realizarán los \
respaldos pertinentes de la base de datos y de los reportes, para luego reintegrarlos a la \
nueva instalación.

Si el problema que llevó al cliente a solicitar la reinstalación fue provocado por algún \
virus, o se piensa que un virus pudo haber dañado su equipo, soporte tiene la obligación \
de respaldar su base de datos y analizarla en nuestro propio equipo, para aislar problemas \
de pérdida de su información. En este caso, si tiene un respaldo bueno, no corrupto por \
virus, se recomienda utilizar dicho respaldo y no el que mantenía en producción. Soporte \
validará dicho estado.

RESPONSABILIDAD SUJETA AL CLIENTE
Nuestra Mesa de Ayuda (Soporte) no es responsable por pérdida de información del usuario, \
en forma directa o indirecta, por causa de virus u otras aplicaciones que puedan afectar \
su base de datos, documentos o reportes.
Nuestra Mesa de Ayuda no es responsable de los respaldos que el cliente pudiera o no \
realizar en forma local.
Nuestra Mesa de Ayuda no es responsable si la reinstalación del software interrumpe el \
buen funcionamiento de algún programa ya instalado en su equipo. Se recomienda utilizar \
un equipo de uso exclusivo para el software.
Nuestra Mesa de Ayuda no es responsable por la instalación de otros programas que no \
están relacionados con el software de punto de venta y gestión itplusnet.

OBLIGACIONES DEL CLIENTE PARA SU ATENCIÓN EN LÍNEA
El cliente debe entregar las condiciones óptimas para la reinstalación del software: \
conectividad del equipo con internet; si el equipo trabaja en red, debe estar en el mismo \
segmento de red para instalar el software; y disponer de al menos 90 minutos para que \
nuestra Mesa de Ayuda trabaje en el equipo.
Si el equipo no está conectado a internet y necesita reinstalar el software, nuestra Mesa \
de Ayuda está capacitada para entregarle por teléfono todos los pasos que necesita.
Si el cliente no otorga las condiciones mínimas y no cuenta con el tiempo para recibir \
ayuda telefónica, se ofrece la atención directa en su domicilio, con el botón de compra \
"Reinstalación a domicilio" (solo clientes de Santiago).

Los servicios de soporte en línea, servicio técnico para sus computadores o red y \
asistencia técnica en terreno (solo Santiago) se adquieren directamente con su propio \
botón de compra, en forma independiente de este servicio.
""",
    "clauses": [
        {
            "code": "internet",
            "kind": "obligation",
            "scope": "remote",
            "text": "Mi equipo tendrá conexión a internet durante la atención.",
        },
        {
            "code": "same_segment",
            "kind": "obligation",
            "scope": "remote",
            "text": "Si el equipo trabaja en red, estará en el mismo segmento de red que los "
            "demás equipos del sistema.",
        },
        {
            "code": "time_available",
            "kind": "obligation",
            "scope": "all",
            "text": "Dispondré de al menos %(minutes)s minutos para que la Mesa de Ayuda "
            "trabaje en el equipo.",
        },
        {
            "code": "data_loss",
            "kind": "acknowledgement",
            "scope": "all",
            "text": "Entiendo que la Mesa de Ayuda no es responsable por pérdida de información "
            "causada por virus u otras aplicaciones.",
        },
        {
            "code": "own_backups",
            "kind": "acknowledgement",
            "scope": "all",
            "text": "Entiendo que la Mesa de Ayuda no es responsable de los respaldos que yo "
            "realice o no en forma local.",
        },
        {
            "code": "other_programs",
            "kind": "acknowledgement",
            "scope": "all",
            "text": "Entiendo que la reinstalación puede afectar otros programas instalados; se "
            "recomienda un equipo de uso exclusivo para el software.",
        },
        {
            "code": "unrelated_programs",
            "kind": "acknowledgement",
            "scope": "all",
            "text": "Entiendo que la Mesa de Ayuda no instala programas ajenos al software de "
            "punto de venta y gestión.",
        },
    ],
}

# The support and technical services (soporte online, servicio técnico de computadores
# o red, asistencia en terreno): the reinstall terms spoke of a reinstallation they do
# not do and asked for commitments that contradict them.
TERMS_SUPPORT_V1 = {
    "document": "soporte",
    "version": "2025.1",
    "title": "Términos de los servicios de soporte y servicio técnico itplusnet",
    "body": """\
Itplusnet Ltda. presta, sin necesidad de contrato, los servicios de soporte en línea del \
software de punto de venta y gestión itplusnet, de servicio técnico remoto de \
computadores, impresoras y red local, y de asistencia técnica en terreno (solo Santiago).

HORARIO DE ATENCIÓN
Lunes a viernes de 09:00 a 18:30 horas, excepto feriados. Al término del pago, la página \
de su pedido le muestra las vías de contacto; también puede pedir que un técnico le llame.

ALCANCE DEL SERVICIO
El servicio dura aproximadamente el tiempo indicado en su compra. Consiste en el \
diagnóstico y la solución del problema descrito, en la medida en que pueda resolverse en \
ese tiempo; si no es posible, el técnico le explicará qué falta y su costo antes de seguir. \
No incluye licencias de programas, repuestos ni equipos: si hacen falta, se cotizan aparte.

RESPALDOS
Antes de la atención, respalde la información que no quiera perder. El servicio técnico \
no es responsable por la pérdida de información que no tenga respaldo.

ATENCIÓN REMOTA
Para la atención a distancia el equipo debe tener conexión a internet y alguien debe \
estar frente a él durante la atención. Si no la tiene, le guiaremos por teléfono.

ATENCIÓN EN TERRENO
Solo en comunas del Gran Santiago. Alguien mayor de edad debe recibir al técnico y darle \
acceso a los equipos.
""",
    "clauses": [
        {
            "code": "internet",
            "kind": "obligation",
            "scope": "remote",
            "text": "Mi equipo tendrá conexión a internet y habrá alguien frente a él durante "
            "la atención.",
        },
        {
            "code": "time_available",
            "kind": "obligation",
            "scope": "all",
            "text": "Dispondré de al menos %(minutes)s minutos para la atención.",
        },
        {
            "code": "own_backups",
            "kind": "acknowledgement",
            "scope": "all",
            "text": "Respaldaré antes mi información: el servicio técnico no responde por datos "
            "sin respaldo.",
        },
        {
            "code": "parts_apart",
            "kind": "acknowledgement",
            "scope": "all",
            "text": "Entiendo que licencias, repuestos y equipos no están incluidos y se "
            "cotizan aparte.",
        },
    ],
}
